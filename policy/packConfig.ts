/**
 * The policy config a stack's own settings call for. The pack cannot read stack config (the
 * analyzer only sees resources), so this is derived from `Pulumi.<stack>.yaml` here, used by
 * `npm run policy`, and written as a `--policy-pack-config` file for `pulumi preview`
 * (`npm run policy -- --write-pack-config DIR`).
 */
import { CONFIG_NAMESPACE } from "../lib/names";
import { PackConfig } from "./harness";
import { lakeformationGrantLeastPrivilege } from "./lakeFormation";

function flag(value: string | undefined): boolean {
    return typeof value === "string" && value.trim().toLowerCase() === "true";
}

/**
 * Grants may carry the grant option when the stack asks for it (`grantWithGrantOption: true`), or
 * in LF-tag mode (`sharingMode: lfTags`), where the producer grants to the consumer account with
 * the grant option so that the consumer can re-grant to its role.
 */
export function allowGrantOptionFor(stackConfig: Readonly<Record<string, string>>): boolean {
    return (
        flag(stackConfig[`${CONFIG_NAMESPACE}:grantWithGrantOption`]) ||
        stackConfig[`${CONFIG_NAMESPACE}:sharingMode`] === "lfTags"
    );
}

/**
 * `{ "<rule>": { ... } }` for a stack: the content of its `--policy-pack-config` file. The
 * enforcement level is repeated so that a config file can never downgrade the rule.
 */
export function packConfigFor(stackConfig: Readonly<Record<string, string>>): PackConfig {
    return {
        [lakeformationGrantLeastPrivilege.name]: {
            enforcementLevel: "mandatory",
            allowGrantOption: allowGrantOptionFor(stackConfig),
        },
    };
}

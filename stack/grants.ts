import * as pulumi from "@pulumi/pulumi";
import * as awsnative from "@pulumi/aws-native";
import { LfGrant, resourceKey } from "../lib/permissions";
import { toPrincipalPermissionsArgs } from "../lib/lfResources";

/**
 * Creates one Lake Formation grant per model grant.
 *
 * Why `aws-native.lakeformation.PrincipalPermissions` rather than `aws.lakeformation.Permissions`:
 * the classic resource reads its grant back through a filtered ListPermissions call, which never
 * returns role-level grants on RAM-shared cross-account resource-link tables, so such grants are
 * deleted and recreated on every run (terraform-provider-aws #49669, #49453). PrincipalPermissions
 * is the CloudFormation resource made for cross-account grants: it names the catalog explicitly,
 * reads the grant by its own identifier, and supports TableWithColumns and LF-tag policies. Every
 * property forces replacement, which is what a grant is anyway.
 */
export function createGrants(
    namePrefix: string,
    grants: readonly LfGrant[],
    grantorAccountId: string,
    opts: pulumi.CustomResourceOptions,
    /** An Output for the principal of the model's grants, so grants wait for it to exist. */
    principalOutput?: { readonly arn: string; readonly output: pulumi.Input<string> },
): awsnative.lakeformation.PrincipalPermissions[] {
    return grants.map((grant) => {
        const args = toPrincipalPermissionsArgs(grant, grantorAccountId);
        const principal =
            principalOutput && grant.principal === principalOutput.arn ? principalOutput.output : grant.principal;
        return new awsnative.lakeformation.PrincipalPermissions(
            `${namePrefix}-${grantSuffix(grant)}`,
            {
                ...args,
                principal: { dataLakePrincipalIdentifier: principal },
            } as awsnative.lakeformation.PrincipalPermissionsArgs,
            opts,
        );
    });
}

/** Readable, stable, unique child name for a grant. */
export function grantSuffix(grant: LfGrant): string {
    const r = grant.resource;
    const base =
        r.kind === "table" || r.kind === "tableWithColumns"
            ? `${r.name}-${grant.permissions.join("-").toLowerCase()}`
            : r.kind === "database"
              ? `db-${r.databaseName}`
              : `${r.kind.toLowerCase()}-${shortHash(resourceKey(r))}`;
    return r.kind === "tableWithColumns" ? `${base}-cols` : base;
}

function shortHash(text: string): string {
    let h = 2166136261;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return (h >>> 0).toString(16).padStart(8, "0");
}

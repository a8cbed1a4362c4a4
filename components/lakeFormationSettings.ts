import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DataLakeSettingsConfig } from "../lib/config";
import { DataLakeSettingsDocument, mergeDataLakeSettings } from "../lib/dataLakeSettings";

/** What to manage (config keys `dataLakeAdmins`, `crossAccountVersion`), in which account. */
export interface LakeFormationSettingsArgs extends Omit<DataLakeSettingsConfig, "manageDataLakeSettings"> {
    /** The account whose settings these are. */
    readonly accountId: string;
}

/**
 * The account's Lake Formation settings, managed without clearing what the project does not
 * own (see lib/dataLakeSettings.ts). Known defect: pulumi-aws #4366, empty default permissions
 * may not clear IAMAllowedPrincipals defaults that are already set; `connect-analytics verify`
 * reports them, and docs/sharing-and-readers.md gives the one-time CLI fix.
 */
export class LakeFormationSettings extends pulumi.ComponentResource {
    public readonly settings: aws.lakeformation.DataLakeSettings;

    constructor(name: string, args: LakeFormationSettingsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("connect-analytics:governance:LakeFormationSettings", name, {}, opts);
        const current = aws.lakeformation.getDataLakeSettingsOutput({ catalogId: args.accountId }, { parent: this });
        const merged = current.apply((c) => mergeDataLakeSettings(c as DataLakeSettingsDocument, args));
        const field = <K extends keyof DataLakeSettingsDocument>(key: K) =>
            merged.apply((m) => m[key]) as pulumi.Output<any>;
        this.settings = new aws.lakeformation.DataLakeSettings(
            `${name}-settings`,
            {
                catalogId: args.accountId,
                admins: field("admins"),
                readOnlyAdmins: field("readOnlyAdmins"),
                createDatabaseDefaultPermissions: [],
                createTableDefaultPermissions: [],
                parameters: field("parameters"),
                trustedResourceOwners: field("trustedResourceOwners"),
                allowExternalDataFiltering: field("allowExternalDataFiltering"),
                allowFullTableExternalDataAccess: field("allowFullTableExternalDataAccess"),
                externalDataFilteringAllowLists: field("externalDataFilteringAllowLists"),
                authorizedSessionTagValueLists: field("authorizedSessionTagValueLists"),
            },
            // The provider's delete writes empty admins and CROSS_ACCOUNT_VERSION 1
            // (terraform-provider-aws internal/service/lakeformation/data_lake_settings.go), which
            // would lock every admin out and break cross-account grants on `pulumi destroy`, on
            // turning manageDataLakeSettings off, or on a replace. Leaving the project keeps them.
            { parent: this, retainOnDelete: true },
        );
        this.registerOutputs({});
    }
}

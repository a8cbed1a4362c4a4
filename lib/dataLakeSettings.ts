/**
 * Merging the account's current Lake Formation settings with what this project manages.
 *
 * `aws.lakeformation.DataLakeSettings` owns the whole settings document: any field it is not
 * given is cleared. So the program reads the current settings first and writes them back with
 * only the managed parts changed: admins are added (never removed, so the deployer cannot lock
 * itself out), CROSS_ACCOUNT_VERSION is set, and the defaults for new databases and tables are
 * emptied (no IAMAllowedPrincipals, so Lake Formation permissions, including column exclusions,
 * take effect). Everything else is carried over as it is.
 */
import type { DataLakeSettingsConfig } from "./config/types";

export interface DefaultPermission {
    readonly principal: string;
    readonly permissions: readonly string[];
}

/** The settings document, as `getDataLakeSettings` returns it and `DataLakeSettings` takes it. */
export interface DataLakeSettingsDocument {
    readonly admins?: readonly string[];
    readonly readOnlyAdmins?: readonly string[];
    readonly createDatabaseDefaultPermissions?: readonly DefaultPermission[];
    readonly createTableDefaultPermissions?: readonly DefaultPermission[];
    readonly parameters?: Readonly<Record<string, string>>;
    readonly trustedResourceOwners?: readonly string[];
    readonly allowExternalDataFiltering?: boolean;
    readonly allowFullTableExternalDataAccess?: boolean;
    readonly externalDataFilteringAllowLists?: readonly string[];
    readonly authorizedSessionTagValueLists?: readonly string[];
}

export function mergeDataLakeSettings(
    current: DataLakeSettingsDocument,
    managed: Pick<DataLakeSettingsConfig, "dataLakeAdmins" | "crossAccountVersion">,
): DataLakeSettingsDocument {
    return {
        admins: [...new Set([...(current.admins ?? []), ...managed.dataLakeAdmins])].sort(),
        readOnlyAdmins: [...(current.readOnlyAdmins ?? [])],
        createDatabaseDefaultPermissions: [],
        createTableDefaultPermissions: [],
        parameters: { ...(current.parameters ?? {}), CROSS_ACCOUNT_VERSION: managed.crossAccountVersion },
        trustedResourceOwners: [...(current.trustedResourceOwners ?? [])],
        allowExternalDataFiltering: current.allowExternalDataFiltering ?? false,
        allowFullTableExternalDataAccess: current.allowFullTableExternalDataAccess ?? false,
        externalDataFilteringAllowLists: [...(current.externalDataFilteringAllowLists ?? [])],
        authorizedSessionTagValueLists: [...(current.authorizedSessionTagValueLists ?? [])],
    };
}

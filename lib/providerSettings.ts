/**
 * The aws provider's own settings, for the AWS SDK calls the program makes itself (the RAM lookup
 * before any resource): the same region, profile and chain of assumed roles as the provider, so the
 * lookup and the deployment run as one identity in one region. Pure: the caller reads the config.
 *
 * `@pulumi/aws` v7 takes `aws:assumeRoles`, a list assumed in order (each with the previous one's
 * credentials); `aws:assumeRole` (one object) is the v6 key, which v7 no longer reads
 * (`ProviderArgs.assumeRoles` in the pinned @pulumi/aws). With no `aws:region` the provider uses
 * AWS_REGION (then AWS_DEFAULT_REGION), as the SDK does.
 */

/** One entry of `aws:assumeRoles` (the fields of the provider's `ProviderAssumeRole` this program passes on). */
export interface AssumeRoleSetting {
    readonly roleArn?: string;
    readonly sessionName?: string;
    readonly externalId?: string;
    /** "1h", "15m", "900s". */
    readonly duration?: string;
    readonly policy?: string;
    readonly policyArns?: readonly string[];
    readonly sourceIdentity?: string;
    readonly tags?: Readonly<Record<string, string>>;
    readonly transitiveTagKeys?: readonly string[];
}

export interface ProviderSettings {
    readonly region?: string;
    readonly profile?: string;
    readonly assumeRoles: readonly AssumeRoleSetting[];
}

/** Reads the settings from the `aws:` config (by short key, values as the stack file holds them) and the environment. */
export function providerSettings(
    get: (key: string) => string | undefined,
    env: Readonly<Record<string, string | undefined>> = {},
): ProviderSettings {
    const parse = (key: string): unknown => {
        const text = get(key);
        if (text === undefined || text === "") return undefined;
        try {
            return JSON.parse(text);
        } catch {
            throw new Error(`aws:${key} is not valid JSON: ${text}`);
        }
    };
    const roles = parse("assumeRoles");
    if (roles !== undefined && !Array.isArray(roles)) {
        throw new Error(
            "aws:assumeRoles must be a list, e.g. `pulumi config set --path 'aws:assumeRoles[0].roleArn' <role ARN>`",
        );
    }
    return {
        region: get("region") || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
        profile: get("profile") || undefined,
        assumeRoles: ((roles as AssumeRoleSetting[] | undefined) ?? []).filter((r) => r?.roleArn),
    };
}

/** Seconds of a provider duration ("1h", "15m", "30s", "1h30m"); undefined when absent or unreadable. */
export function durationSeconds(duration: string | undefined): number | undefined {
    if (!duration) return undefined;
    const parts = [...duration.matchAll(/(\d+)(h|m|s)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== duration) return undefined;
    return parts.reduce((n, [, v, unit]) => n + Number(v) * (unit === "h" ? 3600 : unit === "m" ? 60 : 1), 0);
}

/** The STS AssumeRole parameters of one entry. */
export function assumeRoleParams(role: AssumeRoleSetting) {
    return {
        RoleArn: role.roleArn!,
        RoleSessionName: role.sessionName ?? "connect-analytics",
        ...(role.externalId ? { ExternalId: role.externalId } : {}),
        ...(durationSeconds(role.duration) ? { DurationSeconds: durationSeconds(role.duration) } : {}),
        ...(role.policy ? { Policy: role.policy } : {}),
        ...(role.policyArns?.length ? { PolicyArns: role.policyArns.map((arn) => ({ arn })) } : {}),
        ...(role.sourceIdentity ? { SourceIdentity: role.sourceIdentity } : {}),
        ...(role.tags ? { Tags: Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
        ...(role.transitiveTagKeys?.length ? { TransitiveTagKeys: [...role.transitiveTagKeys] } : {}),
    };
}

/** Who the lookup ran as, for messages: the last role assumed, or the profile, or the default credentials. */
export function describeIdentity(settings: ProviderSettings): string {
    const last = settings.assumeRoles.at(-1)?.roleArn;
    const where = settings.region ? ` in ${settings.region}` : "";
    if (last) return `role ${last} (aws:assumeRoles)${where}`;
    if (settings.profile) return `profile ${settings.profile} (aws:profile)${where}`;
    return `the default credentials (environment, AWS_PROFILE)${where}`;
}

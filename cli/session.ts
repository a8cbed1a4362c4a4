/** What every command runs against: the targets and the credentials of one or both accounts. */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { AwsClients, call, tagWhich } from "./aws";
import { Targets } from "./targets";

export type Which = "main" | "producer";

/** How fix hints refer to the command line that produced the check, e.g. `--outputs consumer.json`. */
export interface Hints {
    readonly region?: string;
    /** The `--profile` in use, for commands the operator copies. */
    readonly profile?: string;
    readonly producerProfile?: string;
}

export interface Session {
    /** Credentials of `--profile` (or the default chain). */
    readonly main: AwsClients;
    /** Credentials of `--producer-profile`, when given. */
    readonly producer?: AwsClients;
    readonly targets: Targets;
    readonly hints: Hints;
    /** Who each set of credentials is, once STS answered: error messages name the principal. */
    readonly identities: Partial<Record<Which, Identity>>;
}

export interface Identity {
    readonly account: string;
    readonly arn: string;
}

export async function whoAmI(clients: AwsClients): Promise<Identity> {
    const out = await call("sts:GetCallerIdentity", () => clients.sts.send(new GetCallerIdentityCommand({})));
    return { account: out.Account ?? "", arn: out.Arn ?? "" };
}

/** STS for one set of credentials, remembered in the session; a failure is tagged with which set failed. */
export async function identify(session: Session, which: Which): Promise<Identity> {
    const clients = which === "main" ? session.main : session.producer;
    if (!clients) throw new Error(`no ${which} credentials in this session`);
    try {
        const id = await whoAmI(clients);
        session.identities[which] = id;
        return id;
    } catch (err) {
        throw tagWhich(err, which);
    }
}

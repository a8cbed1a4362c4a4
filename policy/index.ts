/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policy` (run from the repo root,
 * after `npm ci` there; see policy/README.md). Constructing the PolicyPack starts the analyzer's
 * gRPC server, so nothing but the Pulumi CLI should import this file: tests and `npm run policy`
 * import `./rules`.
 */
import { PolicyPack } from "@pulumi/policy";
import { ALL_POLICIES, POLICY_PACK_NAME } from "./rules";

new PolicyPack(POLICY_PACK_NAME, {
    description:
        "Least privilege and safe defaults for the Connect analytics share: IAM, Lake Formation, S3, Athena, logs, Lambda failures.",
    enforcementLevel: "mandatory",
    policies: ALL_POLICIES,
});

/**
 * Everything the offline plan needs from @pulumi/pulumi beyond `pulumi.runtime.setMocks`, in one
 * place. `@pulumi/pulumi` is pinned exactly in package.json (3.248.0, the last release that runs
 * on Node 20) because of the first function here: a minor release may reshape the mock monitor.
 * `tests/plan.test.ts` ("records every resource with its parent") fails if it does.
 *
 * - `recordParents`: the Mocks interface passes a resource's type, name and inputs but not its
 *   parent, which the plan's resource tree needs; the monitor's register request has it.
 * - `settle`: waits for registrations no stack output depends on (component outputs, grants),
 *   through the public `runtime.disconnect`, which drains the RPC queue.
 * - `resolveOutput`: a value of a fully known Output, through the public `apply`.
 */
import * as pulumi from "@pulumi/pulumi";

interface MonitorRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    /** Register requests only (reads have none of these). */
    getRetainondelete?(): boolean;
    getDeletebeforereplace?(): boolean;
    getProtect?(): boolean;
    getImportid?(): string;
}

/** The resource options that change what a deployment does to AWS (shown in the plan). */
export interface PlannedOptions {
    readonly retainOnDelete: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly protect: boolean;
    /** Adopted, not created: the id `pulumi import` would use. */
    readonly importId: string | null;
}

export interface RegisteredResource {
    readonly type: string;
    readonly name: string;
    /** Logical name of the parent resource, or null for a root resource. */
    readonly parent: string | null;
    readonly options: PlannedOptions;
}

/** Calls `onRegister` for every resource the program registers or reads, before the mock answers. */
export function recordParents(onRegister: (resource: RegisteredResource) => void): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as Record<
        string,
        (req: MonitorRequest, cb: unknown) => void
    >;
    for (const method of ["registerResource", "readResource"]) {
        if (typeof monitor?.[method] !== "function") {
            throw new Error(
                `plan: the mock monitor of @pulumi/pulumi ${pulumiVersion()} has no ${method}; plan/sdkInternals.ts needs updating for this version.`,
            );
        }
        const original = monitor[method].bind(monitor);
        monitor[method] = (req: MonitorRequest, callback: unknown) => {
            const parentUrn = req.getParent();
            onRegister({
                type: req.getType(),
                name: req.getName(),
                parent: parentUrn ? parentUrn.slice(parentUrn.lastIndexOf("::") + 2) : null,
                options: {
                    retainOnDelete: req.getRetainondelete?.() ?? false,
                    deleteBeforeReplace: req.getDeletebeforereplace?.() ?? false,
                    protect: req.getProtect?.() ?? false,
                    importId: req.getImportid?.() || null,
                },
            });
            original(req, callback);
        };
    }
}

/** Waits until every RPC the program started has finished (a real deployment waits too). */
export async function settle(): Promise<void> {
    await pulumi.runtime.disconnect();
}

/** The value of an Output whose every part is known (mocks outside preview). */
export function resolveOutput<T>(value: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => {
        pulumi.output(value).apply((v) => {
            resolve(v as T);
            return v;
        });
    });
}

function pulumiVersion(): string {
    return (require("@pulumi/pulumi/package.json") as { version: string }).version;
}

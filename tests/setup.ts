/** Mocha global fixture: the compiled tree the spawned commands run from is current (tests/build.ts). */
import { ensureBuild } from "./build";

export function mochaGlobalSetup(): void {
    ensureBuild();
}

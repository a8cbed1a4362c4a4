#!/usr/bin/env node
// Installed as the `connect-analytics` bin: compiles the TypeScript CLI on the fly (types are
// checked by `npm test`, not at every start) and runs it.
"use strict";
const path = require("path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("./main").cliMain();

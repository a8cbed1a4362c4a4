#!/usr/bin/env node
// Installed as the `connect-analytics` bin: compiles the TypeScript CLI on the fly (types are
// checked by `npm test`, not at every start) and runs it.
"use strict";
const path = require("path");
// The SDK's multi-line notice about future Node versions would precede every one-line message;
// the project runs Node 20 on purpose. Set the variable to "false" to see it again.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
}
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("./main").cliMain();

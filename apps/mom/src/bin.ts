#!/usr/bin/env node
import { runMomCommand } from "./cli/run-mom-command.js";

const code = await runMomCommand(process.argv.slice(2));
process.exitCode = code;
// Slack's clients may keep retry timers and sockets to an unreachable Slack
// alive after mom stopped: exit shortly even if they do (unref: a process
// with nothing left exits at once, as usual).
setTimeout(() => process.exit(code), 300).unref();

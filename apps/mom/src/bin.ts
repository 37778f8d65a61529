#!/usr/bin/env node
import { runMomCommand } from "./cli/run-mom-command.js";

process.exitCode = await runMomCommand(process.argv.slice(2));

export * from "./local-sshd.js";

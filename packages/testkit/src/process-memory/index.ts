export * from "./peak-rss.js";

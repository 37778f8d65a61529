// `@monoclaw/backend-docker/factory`: what an app needs to list, configure and
// create the Docker backend, without the image builder, the engine helpers and
// the full core they bring in (the main entry point). `monoclaw` loads only this
// at start-up, so a command on another backend never pays for the rest.
export { dockerBackendFactory } from "./docker-backend-factory.js";
export { dockerConfigSchema, type DockerConfig, type DockerConfigInput } from "./docker-config.js";
export { dockerConfigRefusals, type ConfigRefusalContext } from "./container/volume-mounts.js";
export { DEFAULT_IMAGE_TAG } from "./image/monoclaw-dockerfile.js";

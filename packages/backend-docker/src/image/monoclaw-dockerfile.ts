/**
 * The default custom image (`docker/Dockerfile.monoclaw` in the repository),
 * built by `monoclaw image build` when no `-f` is given and no
 * `Dockerfile.monoclaw` is in the build context. A test keeps the two equal.
 */
export const MONOCLAW_DOCKERFILE = `# Dockerfile.monoclaw: a custom environment image for MonoClaw's Docker backend
# (the product page's "Custom images" example), with the tools Mona reaches for
# most: git, python3, node, ripgrep, ffmpeg, a C toolchain, curl and wget.
#
# Build it through the Engine API (progress shown, no docker CLI needed):
#   monoclaw image build -f docker/Dockerfile.monoclaw -t monoclaw-env
# or with the docker CLI:
#   docker build -t monoclaw-env -f Dockerfile.monoclaw .
# then use it:
#   terminal:
#     backend: docker
#     docker:
#       image: "monoclaw-env:latest"
#
# The backend starts containers with its own long-running command, drops all
# capabilities but a package manager's few, and runs commands in /projects
# unless terminal.docker.workdir says otherwise; nothing here needs to change
# for that. Add your own tools below, or derive from this image.
FROM ubuntu:24.04

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends \\
      git python3 nodejs ripgrep ffmpeg \\
      build-essential curl wget ca-certificates \\
    && rm -rf /var/lib/apt/lists/*

WORKDIR /projects
`;

/** The tag `monoclaw image build` gives when no `-t` is given. */
export const DEFAULT_IMAGE_TAG = "monoclaw-env:latest";

/** A name a POSIX shell can set: letters, digits and `_`, not starting with a digit. */
export const ENVIRONMENT_VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How error messages describe {@link ENVIRONMENT_VARIABLE_NAME} to a user. */
export const ENVIRONMENT_VARIABLE_NAME_HINT = "an environment variable name such as GITHUB_TOKEN (letters, digits and '_', not starting with a digit)";

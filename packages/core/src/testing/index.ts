// The backend conformance suite: see conformance-suite.ts.
export {};

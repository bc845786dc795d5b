// `npm run test:unit`: the tests that need no root, no engine, no bench and no browser, for quick
// work (under a minute). `npm test` runs every test (package.json's "ava" settings).
// Integration tests are named *.integration.test.ts or live in test/integration/; the few others
// listed here need what unit tests must not: root, network namespaces, the engine or a browser.
import { createRequire } from "node:module";

const { ava } = createRequire(import.meta.url)("./package.json");

export default {
    ...ava,
    // Unit tests share nothing on the machine: two files at a time (each in its own process, as
    // package.json says: worker threads crash in native modules).
    concurrency: 2,
    files: [
        ...ava.files,
        "!test/integration/**",
        "!test/**/*.integration.test.ts",
        "!test/failover/run-failover.test.ts", // hosts in network namespaces (root)
        "!test/remote/remote-command.test.ts", // runs the remote command as root
        "!test/toolchain/engine.test.ts", // the pinned engine through the Automation API
        "!test/report/browser.test.ts", // headless chromium
        "!test/scripts/bootstrap-offline.test.ts", // runs the set-up itself, on the toolchain it built
    ],
};

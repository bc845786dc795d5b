// `mptcp-lab mirror`: prepares the controller's mirror of a lab's iperf3 repository (from the
// offline sources' bundle or the URL) and says how to serve it to a classroom of real Pis.
import * as path from "path";
import { LAB_DEFAULTS } from "../lab/normalise";
import { shellSafe } from "../remote/shell";
import { ensureMirror, mirrorName } from "../toolchain/git-mirror";
import { type Command, EXIT_OK, UsageError } from "./command";
import { type CommandSpec, helpText, type OptionTable, parseCommandLine } from "./options";

const spec = {
    synopsis: ["mptcp-lab mirror [--repository URL] [--tag TAG]"],
    about: [
        "Creates or refreshes this machine's mirror of the repository (default the upstream iperf3,",
        `${LAB_DEFAULTS.repository}) so that it has the tag (default ${LAB_DEFAULTS.tag}), and prints how to serve it.`,
    ],
    options: {
        repository: { type: "string", value: "URL", description: "the git repository to mirror (default: the lab's iperf3 repository)" },
        tag: { type: "string", value: "TAG", description: `the tag the mirror must have (default ${LAB_DEFAULTS.tag})` },
    },
    notes: ["Exit codes: 0 the mirror is ready, 1 it could not be made, 64 wrong usage."],
} as const satisfies CommandSpec<OptionTable>;

export const mirrorCommand: Command = {
    async run(args, io) {
        const parsed = parseCommandLine(spec, args, io)?.values;
        if (!parsed) return EXIT_OK;
        const usage = helpText(spec);
        const repository = parsed.repository ?? LAB_DEFAULTS.repository;
        const tag = parsed.tag ?? LAB_DEFAULTS.tag;
        if (!shellSafe.gitUrl.test(repository)) throw new UsageError(`--repository ${JSON.stringify(repository)} is not a git URL mptcp-lab accepts`, usage);
        if (!shellSafe.gitTag.test(tag)) throw new UsageError(`--tag ${JSON.stringify(tag)} is not a tag name`, usage);
        const mirror = await ensureMirror(repository, tag);
        const name = mirrorName(repository);
        io.stdout.write(
            [
                `mirror of ${repository}: ${mirror.path} (${mirror.source === "cache" ? "already had" : `seeded from the ${mirror.source === "bundle" ? "offline bundle" : "URL"}, has`} ${tag})`,
                "Serve it to the lab network, then point the stack at it:",
                `  git daemon --export-all --reuseaddr --base-path=${path.dirname(mirror.path)} --listen=<controller address>`,
                `  pulumi config set mptcp-lab:gitMirror git://<controller address>/${name}.git`,
                "",
            ].join("\n"),
        );
        return EXIT_OK;
    },
};

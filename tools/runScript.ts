// An npm script's entry point: run `main`, exit 0 when it is done (a finished Pulumi runtime or twin
// can leave handles open), or print the error's message and exit 1.
export function runScript(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}

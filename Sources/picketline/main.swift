import PicketlineCLI

await PicketlineCommand.runMain()

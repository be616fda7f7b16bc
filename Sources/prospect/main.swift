import ProspectClient

await Prospect.runMain()

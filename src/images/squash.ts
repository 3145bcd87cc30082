// --squash's file (pull and import): NAME if it ends in .sqfs, else
// NAME.sqfs in the current directory, NAME's / and : as in storage's names
// (alpine+3.19.sqfs), as apptainer pull and enroot import write their
// files in the current directory.

export function squashFile(name: string): string {
  return /\.sqfs$/.test(name) ? name : name.replace(/\//g, "%").replace(/:/g, "+") + ".sqfs";
}

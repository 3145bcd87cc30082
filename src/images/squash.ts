// Where --squash puts an image (pull and import): NAME if it ends in
// .sqfs, else NAME.sqfs in the current directory with the storage
// directory's mapping of "/" and ":" (as apptainer pull and enroot import
// write their files in the current directory).

export function squashFile(name: string): string {
  return /\.sqfs$/.test(name) ? name : "./" + name.replace(/\//g, "%").replace(/:/g, "+") + ".sqfs";
}

// Crash-safe writes (temporary sibling file, fsync, rename) and exact reads, in async and sync forms.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as nodePath from "node:path";
import { randomBytes } from "node:crypto";

/** A file to write: its final path and its contents in pieces. */
export interface PendingFile {
  path: string;
  chunks: Uint8Array[];
}

/** Largest single write call; bigger chunks are written in slices. */
const WRITE_SLICE = 1 << 30;

function tempPath(target: string): string {
  return nodePath.join(nodePath.dirname(target), `.${nodePath.basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

function parentDirs(files: readonly PendingFile[]): string[] {
  return [...new Set(files.map((f) => nodePath.dirname(nodePath.resolve(f.path))))];
}

/**
 * Writes each file to a temporary file in its own directory, flushes it to disk, then renames them into place in
 * order and flushes the directories. Parent directories are created. If anything fails, the temporary files are
 * removed, so no partially written file ever sits at a final path.
 */
export async function writeFilesAtomic(files: readonly PendingFile[]): Promise<void> {
  const dirs = parentDirs(files);
  for (const d of dirs) await fsp.mkdir(d, { recursive: true });
  const temps: string[] = [];
  try {
    for (const f of files) {
      const tmp = tempPath(f.path);
      temps.push(tmp);
      const fh = await fsp.open(tmp, "wx");
      try {
        for (const c of f.chunks)
          for (let off = 0; off < c.length; ) off += (await fh.write(c, off, Math.min(c.length - off, WRITE_SLICE))).bytesWritten;
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    for (const [i, f] of files.entries()) await fsp.rename(temps[i]!, f.path);
  } catch (e) {
    await Promise.all(temps.map((t) => fsp.rm(t, { force: true })));
    throw e;
  }
  for (const d of dirs) {
    // Persist the renames; some platforms (Windows) cannot open or fsync a directory, where this is skipped.
    const fh = await fsp.open(d, "r").catch(() => undefined);
    await fh?.sync().catch(() => undefined);
    await fh?.close();
  }
}

/** Synchronous `writeFilesAtomic`. */
export function writeFilesAtomicSync(files: readonly PendingFile[]): void {
  const dirs = parentDirs(files);
  for (const d of dirs) fs.mkdirSync(d, { recursive: true });
  const temps: string[] = [];
  try {
    for (const f of files) {
      const tmp = tempPath(f.path);
      temps.push(tmp);
      const fd = fs.openSync(tmp, "wx");
      try {
        for (const c of f.chunks) for (let off = 0; off < c.length; ) off += fs.writeSync(fd, c, off, Math.min(c.length - off, WRITE_SLICE));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    for (const [i, f] of files.entries()) fs.renameSync(temps[i]!, f.path);
  } catch (e) {
    for (const t of temps) fs.rmSync(t, { force: true });
    throw e;
  }
  for (const d of dirs) {
    try {
      const fd = fs.openSync(d, "r");
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      // Persisting the renames is best effort where directories cannot be fsynced (Windows).
    }
  }
}

/** The whole file, or null when it does not exist. */
export async function readIfExists(path: string): Promise<Uint8Array | null> {
  try {
    return await fsp.readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Synchronous `readIfExists`. */
export function readIfExistsSync(path: string): Uint8Array | null {
  try {
    return fs.readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Opens a file and lets `use` read byte ranges of it, given its size (to read a header without the data behind it). */
export async function readPart<T>(path: string, use: (size: number, read: (position: number, length: number) => Promise<Uint8Array>) => Promise<T>): Promise<T> {
  const fh = await fsp.open(path, "r");
  try {
    const { size } = await fh.stat();
    return await use(size, async (position, length) => {
      const out = new Uint8Array(length);
      for (let got = 0; got < length; ) {
        const { bytesRead } = await fh.read(out, got, length - got, position + got);
        if (bytesRead === 0) throw new Error(`${path} ended at byte ${position + got} while reading`);
        got += bytesRead;
      }
      return out;
    });
  } finally {
    await fh.close();
  }
}

/** Synchronous `readPart`. */
export function readPartSync<T>(path: string, use: (size: number, read: (position: number, length: number) => Uint8Array) => T): T {
  const fd = fs.openSync(path, "r");
  try {
    return use(fs.fstatSync(fd).size, (position, length) => {
      const out = new Uint8Array(length);
      for (let got = 0; got < length; ) {
        const bytesRead = fs.readSync(fd, out, got, length - got, position + got);
        if (bytesRead === 0) throw new Error(`${path} ended at byte ${position + got} while reading`);
        got += bytesRead;
      }
      return out;
    });
  } finally {
    fs.closeSync(fd);
  }
}

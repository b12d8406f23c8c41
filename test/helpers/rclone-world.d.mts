// Types of rclone-world.mjs (plain JavaScript so that `npm run bench` can use it too).
export declare const WORLD_UPLOAD_HOST: string;
export declare const WORLD_DOWNLOAD_URL: string;
export interface RcloneRun {
  code: number | null;
  stdout: string;
  stderr: string;
}
export interface RcloneWorld {
  proxyUrl: string;
  caFile: string;
  envFor(key: string): NodeJS.ProcessEnv;
  rclone(args: string[], key: string, opts?: { timeoutMs?: number; cwd?: string }): Promise<RcloneRun>;
  close(): Promise<void>;
}
export declare function startRcloneWorld(o: { apiOrigin: string; webOrigin?: string }): Promise<RcloneWorld>;
export declare function rcloneWorldAvailable(): Promise<boolean>;

/** Another process's resource use, from Linux /proc (the mediasoup worker's, for the benchmarks). */
import { readFileSync } from 'node:fs';

/** Resident memory of process `pid`, bytes. */
export function processRss(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** CPU time process `pid` has used (user + system), ms. */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in 100 Hz clock ticks
}

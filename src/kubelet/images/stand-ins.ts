import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildBusyboxImageTar, type BuildBusyboxImageOptions } from './busybox.js';

/** One stand-in image: a small busybox-based image that plays the part of an image machines without a registry can't pull. */
export interface StandInImage {
  /** The image name pods refer to, e.g. 'tomcat:v1'. */
  name: string;
  /** The tar's file name when written out, e.g. 'tomcat-v1.tar'. */
  file: string;
  /** What the image does, for `--help` and logs. */
  role: string;
  /** How to build it (everything but the image name and the busybox binary). */
  build: Omit<BuildBusyboxImageOptions, 'name' | 'busyboxPath' | 'architecture'>;
}

/** The names of the stand-in images, by role. */
export const standInImageNames = {
  /** An HTTP server on 8080 answering "tomcat latest" (the seed's tomcat). */
  tomcat: 'tomcat:latest',
  /** The same server answering "tomcat v1". */
  tomcatV1: 'tomcat:v1',
  /** The same server answering "tomcat v2". */
  tomcatV2: 'tomcat:v2',
  /** A TCP server on 6379 answering +PONG to every connection (the seed's redis). */
  redis: 'redis:latest',
  /** An HTTP server on 80 serving /usr/share/nginx/html, whose index says "nginx <hostname>" (the seed's nginx). */
  nginx: 'nginx:1.22',
  /** busybox, sleeping by default. */
  busybox: 'skiff.dev/test-busybox:1',
} as const;

function tomcat(name: string, file: string, tag: string): StandInImage {
  return {
    name,
    file,
    role: `busybox httpd on 8080 answering "tomcat ${tag}"`,
    build: {
      cmd: ['httpd', '-f', '-v', '-p', '8080', '-h', '/www'],
      exposedPorts: { '8080/tcp': {} },
      files: [{ path: '/www/index.html', content: `tomcat ${tag}\n` }],
    },
  };
}

/** The stand-in images the tests and `skiff demo` build from busybox-static (nothing downloaded). */
export const standInImages: readonly StandInImage[] = [
  tomcat(standInImageNames.tomcat, 'tomcat.tar', 'latest'),
  tomcat(standInImageNames.tomcatV1, 'tomcat-v1.tar', 'v1'),
  tomcat(standInImageNames.tomcatV2, 'tomcat-v2.tar', 'v2'),
  {
    name: standInImageNames.redis,
    file: 'redis.tar',
    role: 'nc on 6379 answering +PONG',
    build: {
      cmd: ['nc', '-ll', '-p', '6379', '-e', '/bin/redis-pong'],
      exposedPorts: { '6379/tcp': {} },
      files: [{ path: '/bin/redis-pong', content: '#!/bin/sh\necho +PONG\n', mode: 0o755 }],
    },
  },
  {
    name: standInImageNames.nginx,
    file: 'nginx.tar',
    role: 'busybox httpd on 80 answering "nginx <hostname>"',
    build: {
      // The index is written at start so a volume mounted over the directory still serves it.
      cmd: ['sh', '-c', 'echo "nginx $(hostname)" > /usr/share/nginx/html/index.html && exec httpd -f -v -p 80 -h /usr/share/nginx/html'],
      exposedPorts: { '80/tcp': {} },
      files: [{ path: '/usr/share/nginx/html/index.html', content: 'nginx\n' }],
    },
  },
  { name: standInImageNames.busybox, file: 'busybox.tar', role: 'busybox sleeping an hour', build: { cmd: ['sleep', '3600'] } },
];

/** Options of {@link writeStandInImages}. */
export interface WriteStandInImagesOptions {
  /** Which images; default all of {@link standInImages}. */
  images?: readonly StandInImage[];
  /** The statically linked busybox to copy in; default buildBusyboxImageTar's ('/bin/busybox'). */
  busyboxPath?: string;
  /** Builds one image tar; default {@link buildBusyboxImageTar}. */
  build?: (options: BuildBusyboxImageOptions) => Promise<Buffer>;
}

/** Writes the stand-in images as OCI tars into `dir`; returns the file paths, in list order. */
export async function writeStandInImages(dir: string, options: WriteStandInImagesOptions = {}): Promise<string[]> {
  const build = options.build ?? buildBusyboxImageTar;
  const files: string[] = [];
  for (const image of options.images ?? standInImages) {
    const path = join(dir, image.file);
    const tar = await build({ ...image.build, name: image.name, ...(options.busyboxPath ? { busyboxPath: options.busyboxPath } : {}) });
    await writeFile(path, tar);
    files.push(path);
  }
  return files;
}

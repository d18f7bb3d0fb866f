import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildBusyboxImageTar } from '../../src/kubelet/images/busybox.js';

/** The images the node tests use, built from busybox-static and never downloaded. */
export const testImages = {
  /** An HTTP server on 8080 answering "tomcat <tag>" (the seed's tomcat). */
  tomcat: 'tomcat:latest',
  tomcatV1: 'tomcat:v1',
  tomcatV2: 'tomcat:v2',
  /** A TCP server on 6379 answering +PONG to every connection (the seed's redis). */
  redis: 'redis:latest',
  /** busybox, sleeping by default. */
  busybox: 'skiff.dev/test-busybox:1',
} as const;

function tomcatImage(name: string, tag: string) {
  return buildBusyboxImageTar({
    name,
    cmd: ['httpd', '-f', '-v', '-p', '8080', '-h', '/www'],
    exposedPorts: { '8080/tcp': {} },
    files: [{ path: '/www/index.html', content: `tomcat ${tag}\n` }],
  });
}

/** Writes the test images as OCI tars into `dir`; returns the file paths. */
export async function writeTestImages(dir: string): Promise<string[]> {
  const images: [string, Promise<Buffer>][] = [
    ['tomcat.tar', tomcatImage(testImages.tomcat, 'latest')],
    ['tomcat-v1.tar', tomcatImage(testImages.tomcatV1, 'v1')],
    ['tomcat-v2.tar', tomcatImage(testImages.tomcatV2, 'v2')],
    [
      'redis.tar',
      buildBusyboxImageTar({
        name: testImages.redis,
        cmd: ['nc', '-ll', '-p', '6379', '-e', '/bin/redis-pong'],
        exposedPorts: { '6379/tcp': {} },
        files: [{ path: '/bin/redis-pong', content: '#!/bin/sh\necho +PONG\n', mode: 0o755 }],
      }),
    ],
    ['busybox.tar', buildBusyboxImageTar({ name: testImages.busybox, cmd: ['sleep', '3600'] })],
  ];
  const files: string[] = [];
  for (const [file, tar] of images) {
    const path = join(dir, file);
    await writeFile(path, await tar);
    files.push(path);
  }
  return files;
}

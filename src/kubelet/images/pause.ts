import { buildOciImageTar, hostOciArchitecture } from './oci-image.js';

/** Name of the project-built pause (sandbox) image; containerd's `sandbox_image` points here. */
export const pauseImageName = 'skiff.dev/pause:1';

/** CPU architectures the pause executable is generated for (OCI names). */
export type PauseArchitecture = 'amd64' | 'arm64';

const LOAD_ADDRESS = 0x400000;
const ELF_HEADER_SIZE = 64;
const PROGRAM_HEADER_SIZE = 56;
const CODE_OFFSET = ELF_HEADER_SIZE + PROGRAM_HEADER_SIZE;

const SIGINT = 2;
const SIGTERM = 15;
const SIGCHLD = 17;
const SIG_IGN = 1;
const SA_RESTORER = 0x04000000;

/** Appends machine code and data, resolving label references once everything is placed. */
class CodeBuilder {
  private readonly parts: Buffer[] = [];
  private length = 0;
  private readonly labels = new Map<string, number>();
  private readonly fixups: { at: number; size: number; encode: (target: number, at: number) => Buffer }[] = [];

  /** Virtual address of the next byte. */
  get here(): number {
    return LOAD_ADDRESS + CODE_OFFSET + this.length;
  }

  bytes(...values: number[]): this {
    this.parts.push(Buffer.from(values));
    this.length += values.length;
    return this;
  }

  u32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    this.parts.push(b);
    this.length += 4;
    return this;
  }

  u64(value: number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.parts.push(b);
    this.length += 8;
    return this;
  }

  label(name: string): this {
    this.labels.set(name, this.here);
    return this;
  }

  align(boundary: number): this {
    while (this.length % boundary !== 0) this.bytes(0);
    return this;
  }

  /** Reserves `size` bytes that `encode(targetAddress, addressOfTheseBytes)` fills in later. */
  reference(name: string, size: number, encode: (target: number, at: number) => Buffer): this {
    this.fixups.push({
      at: this.length,
      size,
      encode: (_t, at) => {
        const target = this.labels.get(name);
        if (target === undefined) throw new Error(`pause: undefined label ${name}`);
        return encode(target, at);
      },
    });
    this.parts.push(Buffer.alloc(size));
    this.length += size;
    return this;
  }

  build(): Buffer {
    const code = Buffer.concat(this.parts);
    for (const f of this.fixups) {
      const encoded = f.encode(0, LOAD_ADDRESS + CODE_OFFSET + f.at);
      if (encoded.length !== f.size) throw new Error('pause: bad fixup size');
      encoded.copy(code, f.at);
    }
    return code;
  }
}

function le32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value);
  return b;
}

function le64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
}

/** A kernel `struct sigaction` (handler, flags, restorer, mask): the same layout on x86_64 and arm64. */
function sigaction(code: CodeBuilder, name: string, handler: string | number, flags: number, restorer?: string): void {
  code.align(8).label(name);
  if (typeof handler === 'number') code.u64(handler);
  else code.reference(handler, 8, (target) => le64(target));
  code.u64(flags);
  if (restorer) code.reference(restorer, 8, (target) => le64(target));
  else code.u64(0);
  code.u64(0); // empty signal mask
}

/**
 * x86_64: SIGTERM and SIGINT run a handler that calls exit_group(0); SIGCHLD is ignored so the
 * kernel reaps orphans (the pause process is PID 1 of a shared PID namespace); then pause(2)
 * forever. x86_64 needs SA_RESTORER for any handler; ours never returns, but gets a valid
 * rt_sigreturn stub anyway.
 */
function amd64Code(): Buffer {
  const c = new CodeBuilder();
  const setAction = (signal: number, action: string): void => {
    c.bytes(0xb8).u32(13); // mov eax, 13 (rt_sigaction)
    c.bytes(0xbf).u32(signal); // mov edi, signal
    c.bytes(0x48, 0x8d, 0x35).reference(action, 4, (target, at) => le32(target - (at + 4))); // lea rsi, [rip+action]
    c.bytes(0x31, 0xd2); // xor edx, edx (no old action)
    c.bytes(0x41, 0xba).u32(8); // mov r10d, 8 (sizeof sigset_t)
    c.bytes(0x0f, 0x05); // syscall
  };
  setAction(SIGTERM, 'act_exit');
  setAction(SIGINT, 'act_exit');
  setAction(SIGCHLD, 'act_ignore');
  c.label('loop');
  c.bytes(0xb8).u32(34); // mov eax, 34 (pause)
  c.bytes(0x0f, 0x05); // syscall
  c.bytes(0xeb).reference('loop', 1, (target, at) => Buffer.from([(target - (at + 1)) & 0xff])); // jmp short loop
  c.label('on_exit_signal');
  c.bytes(0x31, 0xff); // xor edi, edi
  c.bytes(0xb8).u32(231); // mov eax, 231 (exit_group)
  c.bytes(0x0f, 0x05); // syscall
  c.label('restorer');
  c.bytes(0xb8).u32(15); // mov eax, 15 (rt_sigreturn)
  c.bytes(0x0f, 0x05); // syscall
  sigaction(c, 'act_exit', 'on_exit_signal', SA_RESTORER, 'restorer');
  sigaction(c, 'act_ignore', SIG_IGN, SA_RESTORER, 'restorer');
  return c.build();
}

/** aarch64 MOVZ Xd, #imm16. */
function movz(rd: number, imm16: number): number {
  return (0xd2800000 | ((imm16 & 0xffff) << 5) | rd) >>> 0;
}
const SVC0 = 0xd4000001;

/**
 * aarch64: the same behaviour as the x86_64 variant. aarch64 has no pause(2), so the loop
 * blocks in ppoll(NULL, 0, NULL, NULL) (nr 73), which only returns when a signal arrives.
 * No SA_RESTORER: arm64 falls back to the vDSO trampoline, and our handler never returns.
 */
function arm64Code(): Buffer {
  const c = new CodeBuilder();
  const setAction = (signal: number, action: string): void => {
    c.u32(movz(8, 134)); // x8 = rt_sigaction
    c.u32(movz(0, signal));
    c.reference(action, 4, (target, at) => {
      const offset = target - at; // ADR x1, action
      if (offset < -(1 << 20) || offset >= 1 << 20) throw new Error('pause: adr out of range');
      const immlo = offset & 3;
      const immhi = (offset >> 2) & 0x7ffff;
      const b = Buffer.alloc(4);
      b.writeUInt32LE((0x10000000 | (immlo << 29) | (immhi << 5) | 1) >>> 0);
      return b;
    });
    c.u32(movz(2, 0)); // no old action
    c.u32(movz(3, 8)); // sizeof sigset_t
    c.u32(SVC0);
  };
  setAction(SIGTERM, 'act_exit');
  setAction(SIGINT, 'act_exit');
  setAction(SIGCHLD, 'act_ignore');
  c.label('loop');
  c.u32(movz(8, 73)); // ppoll
  for (let r = 0; r <= 4; r++) c.u32(movz(r, 0));
  c.u32(SVC0);
  c.reference('loop', 4, (target, at) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE((0x14000000 | (((target - at) >> 2) & 0x3ffffff)) >>> 0); // b loop
    return b;
  });
  c.label('on_exit_signal');
  c.u32(movz(0, 0));
  c.u32(movz(8, 94)); // exit_group
  c.u32(SVC0);
  sigaction(c, 'act_exit', 'on_exit_signal', 0);
  sigaction(c, 'act_ignore', SIG_IGN, 0);
  return c.build();
}

/**
 * Generates the pause executable: a static ELF64 with one loadable segment and no libc. It
 * blocks forever, exits with status 0 on SIGTERM or SIGINT (like the upstream pause; as PID 1
 * of a PID namespace a signal without a handler would be ignored), lets the kernel reap
 * orphaned children (SIGCHLD ignored), and dies on SIGKILL, which containerd uses to stop a
 * sandbox.
 */
export function buildPauseExecutable(architecture: PauseArchitecture = hostPauseArchitecture()): Buffer {
  const code = architecture === 'amd64' ? amd64Code() : arm64Code();
  const machine = architecture === 'amd64' ? 62 : 183; // EM_X86_64, EM_AARCH64
  const fileSize = CODE_OFFSET + code.length;
  const header = Buffer.alloc(CODE_OFFSET);
  header.write('\x7fELF', 0, 'latin1');
  header[4] = 2; // ELFCLASS64
  header[5] = 1; // little endian
  header[6] = 1; // EV_CURRENT
  header.writeUInt16LE(2, 16); // ET_EXEC
  header.writeUInt16LE(machine, 18);
  header.writeUInt32LE(1, 20);
  header.writeBigUInt64LE(BigInt(LOAD_ADDRESS + CODE_OFFSET), 24); // entry
  header.writeBigUInt64LE(BigInt(ELF_HEADER_SIZE), 32); // program headers
  header.writeBigUInt64LE(0n, 40); // no section headers
  header.writeUInt32LE(0, 48);
  header.writeUInt16LE(ELF_HEADER_SIZE, 52);
  header.writeUInt16LE(PROGRAM_HEADER_SIZE, 54);
  header.writeUInt16LE(1, 56);
  header.writeUInt16LE(64, 58);
  header.writeUInt16LE(0, 60);
  header.writeUInt16LE(0, 62);
  const ph = ELF_HEADER_SIZE;
  header.writeUInt32LE(1, ph); // PT_LOAD
  header.writeUInt32LE(5, ph + 4); // PF_R | PF_X
  header.writeBigUInt64LE(0n, ph + 8); // offset
  header.writeBigUInt64LE(BigInt(LOAD_ADDRESS), ph + 16); // vaddr
  header.writeBigUInt64LE(BigInt(LOAD_ADDRESS), ph + 24); // paddr
  header.writeBigUInt64LE(BigInt(fileSize), ph + 32); // filesz
  header.writeBigUInt64LE(BigInt(fileSize), ph + 40); // memsz
  header.writeBigUInt64LE(BigInt(0x10000), ph + 48); // align (covers 64K-page arm64 kernels)
  return Buffer.concat([header, code]);
}

/** The pause architecture for this machine; throws on CPUs without a generated variant. */
export function hostPauseArchitecture(): PauseArchitecture {
  const arch = hostOciArchitecture();
  if (arch === 'amd64' || arch === 'arm64') return arch;
  throw new Error(`no pause executable for architecture ${arch}`);
}

/** Options of {@link buildPauseImageTar}. */
export interface BuildPauseImageOptions {
  /** Default: the host's (see {@link hostPauseArchitecture}). */
  architecture?: PauseArchitecture;
}

/** Builds the OCI image tar of the pause image: one layer holding /pause, Entrypoint ['/pause']. */
export async function buildPauseImageTar(name: string = pauseImageName, options: BuildPauseImageOptions = {}): Promise<Buffer> {
  const architecture = options.architecture ?? hostPauseArchitecture();
  return buildOciImageTar({
    name,
    architecture,
    layers: [[{ type: 'file', path: 'pause', content: buildPauseExecutable(architecture), mode: 0o755 }]],
    config: { Entrypoint: ['/pause'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], User: '65535:65535' },
  });
}

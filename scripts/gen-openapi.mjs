#!/usr/bin/env node
/**
 * Generates dist/generated/openapi-definitions.json: an OpenAPI v2 `definitions` map with
 * upstream's definition names, built from the kubernetes-types .d.ts files (which carry every
 * type with its upstream doc comment) plus two facts files beside this script:
 *   openapi-list-metadata.json  x-kubernetes-patch-*, list-type, list-map-keys, map-type
 *   openapi-formats.json        integer widths and string formats the .d.ts files lose
 *   openapi-enums.json          `enum` values of +enum string properties (kubectl explain's ENUM)
 *
 * Usage: node scripts/gen-openapi.mjs [outputFile]
 */
import { readFileSync, readdirSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const scriptDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(scriptDir, '..');
const typesRoot = join(repoRoot, 'node_modules', 'kubernetes-types');
const outFile = resolve(process.argv[2] ?? join(repoRoot, 'dist', 'generated', 'openapi-definitions.json'));

const listMetadata = JSON.parse(readFileSync(join(scriptDir, 'openapi-list-metadata.json'), 'utf8')).properties;
const formats = JSON.parse(readFileSync(join(scriptDir, 'openapi-formats.json'), 'utf8'));
const int64Names = new Set(formats.int64Properties);
const int32Exact = new Set(formats.int32);
const int64Exact = new Set(formats.int64);
const doubleExact = new Set(formats.double);
const byteExact = new Set(formats.byte);

const enums = JSON.parse(readFileSync(join(scriptDir, 'openapi-enums.json'), 'utf8')).enums;

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** The OpenAPI package of a .d.ts module path relative to the kubernetes-types root (no extension). */
function packageOf(modulePath) {
  switch (modulePath) {
    case 'meta/v1':
      return 'io.k8s.apimachinery.pkg.apis.meta.v1';
    case 'api/resource':
      return 'io.k8s.apimachinery.pkg.api.resource';
    case 'runtime':
      return 'io.k8s.apimachinery.pkg.runtime';
    case 'version':
      return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1':
      return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default:
      return `io.k8s.api.${modulePath.replace(/\//g, '.')}`;
  }
}

function listDts(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listDts(full));
    else if (name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Turns a raw `/** ... *\/` comment into upstream's description text (Go doc whitespace kept). */
function docText(raw) {
  const body = raw.slice(3, -2);
  if (!body.includes('\n')) return body.trim();
  const lines = body.split('\n').map((line) => line.replace(/^\s*\* ?/, '').replace(/\s+$/, ''));
  while (lines.length && lines[0].trim() === '') lines.shift();
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.join('\n');
}

function docOf(node, sourceText) {
  const ranges = ts.getLeadingCommentRanges(sourceText, node.pos) ?? [];
  const docs = ranges.filter((r) => sourceText.startsWith('/**', r.pos));
  if (!docs.length) return undefined;
  const last = docs[docs.length - 1];
  return docText(sourceText.slice(last.pos, last.end));
}

function propertyName(name) {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  throw new Error(`unsupported property name kind ${ts.SyntaxKind[name.kind]}`);
}

function numberSchema(defName, prop) {
  const key = `${defName}.${prop}`;
  if (doubleExact.has(key)) return { type: 'number', format: 'double' };
  if (int64Exact.has(key)) return { type: 'integer', format: 'int64' };
  if (int32Exact.has(key)) return { type: 'integer', format: 'int32' };
  if (int64Names.has(prop)) return { type: 'integer', format: 'int64' };
  return { type: 'integer', format: 'int32' };
}

/** Converts a TypeScript type node into an OpenAPI v2 schema. */
function schemaOf(typeNode, ctx) {
  switch (typeNode.kind) {
    case ts.SyntaxKind.StringKeyword:
      return byteExact.has(`${ctx.defName}.${ctx.prop}`) ? { type: 'string', format: 'byte' } : { type: 'string' };
    case ts.SyntaxKind.NumberKeyword:
      return numberSchema(ctx.defName, ctx.prop);
    case ts.SyntaxKind.BooleanKeyword:
      return { type: 'boolean' };
    case ts.SyntaxKind.LiteralType:
      if (ts.isStringLiteral(typeNode.literal)) return { type: 'string' };
      break;
    case ts.SyntaxKind.ArrayType:
      return { type: 'array', items: schemaOf(typeNode.elementType, ctx) };
    case ts.SyntaxKind.ParenthesizedType:
      return schemaOf(typeNode.type, ctx);
    case ts.SyntaxKind.UnionType: {
      const kinds = typeNode.types.map((t) => t.kind).sort();
      if (kinds.length === 2 && kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword)) {
        return { $ref: `#/definitions/${INT_OR_STRING}` };
      }
      if (typeNode.types.every((t) => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal))) return { type: 'string' };
      break;
    }
    case ts.SyntaxKind.TypeLiteral: {
      const index = typeNode.members.find((m) => ts.isIndexSignatureDeclaration(m));
      if (index && typeNode.members.length === 1) return { type: 'object', additionalProperties: schemaOf(index.type, ctx) };
      break;
    }
    case ts.SyntaxKind.TypeReference: {
      const name = typeNode.typeName.getText(ctx.source);
      if (name === 'Array' && typeNode.typeArguments?.length === 1) {
        return { type: 'array', items: schemaOf(typeNode.typeArguments[0], ctx) };
      }
      const pkg = ctx.imports.get(name) ?? ctx.pkg;
      return { $ref: `#/definitions/${pkg}.${name}` };
    }
    default:
      break;
  }
  throw new Error(`${ctx.defName}.${ctx.prop}: unsupported type ${typeNode.getText(ctx.source)}`);
}

/** The value of a string-literal-typed property (e.g. `apiVersion?: "apps/v1"`), if any. */
function literalOf(member) {
  const t = member.type;
  if (t && ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) return t.literal.text;
  return undefined;
}

/** Adds upstream's enum values to the definition's +enum properties (on the items of an array). */
function applyEnums(defName, definition) {
  for (const [prop, schema] of Object.entries(definition.properties ?? {})) {
    const values = enums[`${defName}.${prop}`];
    if (!values) continue;
    if (schema.type === 'array' && schema.items?.type === 'string') schema.items.enum = [...values];
    else if (schema.type === 'string') schema.enum = [...values];
    else throw new Error(`${defName}.${prop}: enum on a non-string property`);
  }
}

function applyListMetadata(defName, definition) {
  const own = listMetadata[defName];
  if (own) Object.assign(definition, own);
  for (const [prop, schema] of Object.entries(definition.properties ?? {})) {
    const ext = listMetadata[`${defName}.${prop}`];
    if (ext) Object.assign(schema, ext);
  }
}

function generate() {
  const definitions = {};
  const groupVersions = new Set();
  const metaKindsWithManyGVKs = [];

  for (const file of listDts(typesRoot)) {
    const modulePath = relative(typesRoot, file).replace(/\.d\.ts$/, '').split('\\').join('/');
    const pkg = packageOf(modulePath);
    const sourceText = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, sourceText, ts.ScriptTarget.Latest, true);
    const imports = new Map();
    for (const stmt of source.statements) {
      if (!ts.isImportDeclaration(stmt)) continue;
      const from = resolve(dirname(file), stmt.moduleSpecifier.text);
      const importedPkg = packageOf(relative(typesRoot, from).split('\\').join('/'));
      for (const el of stmt.importClause?.namedBindings?.elements ?? []) imports.set(el.name.text, importedPkg);
    }

    for (const stmt of source.statements) {
      if (ts.isInterfaceDeclaration(stmt)) {
        const defName = `${pkg}.${stmt.name.text}`;
        const definition = {};
        const description = docOf(stmt, sourceText);
        if (description) definition.description = description;
        const properties = {};
        const required = [];
        let apiVersion;
        let hasKind = false;
        for (const member of stmt.members) {
          if (!ts.isPropertySignature(member)) throw new Error(`${defName}: unsupported member`);
          const prop = propertyName(member.name);
          const ctx = { defName, prop, pkg, imports, source };
          const schema = schemaOf(member.type, ctx);
          const propDoc = docOf(member, sourceText);
          properties[prop] = propDoc ? { description: propDoc, ...schema } : schema;
          if (!member.questionToken) required.push(prop);
          if (prop === 'apiVersion') apiVersion = literalOf(member) ?? '';
          if (prop === 'kind') hasKind = true;
        }
        if (stmt.name.text === 'JSON') {
          // JSON holds any value: upstream gives it no type.
        } else {
          definition.type = 'object';
        }
        if (Object.keys(properties).length) definition.properties = properties;
        if (required.length) definition.required = required;
        if (apiVersion !== undefined && hasKind) {
          if (apiVersion) {
            const slash = apiVersion.indexOf('/');
            const group = slash < 0 ? '' : apiVersion.slice(0, slash);
            const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
            groupVersions.add(JSON.stringify([group, version]));
            definition['x-kubernetes-group-version-kind'] = [{ group, kind: stmt.name.text, version }];
          } else if (stmt.name.text === 'DeleteOptions') {
            metaKindsWithManyGVKs.push(definition);
            definition.__kind = 'DeleteOptions';
          } else if (pkg === 'io.k8s.apimachinery.pkg.apis.meta.v1') {
            definition['x-kubernetes-group-version-kind'] = [{ group: '', kind: stmt.name.text, version: 'v1' }];
          }
        }
        if (stmt.name.text === 'WatchEvent' && pkg === 'io.k8s.apimachinery.pkg.apis.meta.v1') {
          metaKindsWithManyGVKs.push(definition);
          definition.__kind = 'WatchEvent';
        }
        applyListMetadata(defName, definition);
        applyEnums(defName, definition);
        definitions[defName] = definition;
      } else if (ts.isTypeAliasDeclaration(stmt)) {
        const defName = `${pkg}.${stmt.name.text}`;
        const definition = {};
        const description = docOf(stmt, sourceText);
        if (description) definition.description = description;
        if (stmt.type.kind === ts.SyntaxKind.StringKeyword) {
          definition.type = 'string';
          if (stmt.name.text === 'Time' || stmt.name.text === 'MicroTime') definition.format = 'date-time';
        }
        // Other aliases are unions (JSONSchemaPropsOr*): upstream leaves them untyped.
        definitions[defName] = definition;
      }
    }
  }

  // upstream's admission rules embed Rule inline (`json:",inline"`); the .d.ts files lose its fields.
  for (const [defName, definition] of Object.entries(definitions)) {
    if (!/^io\.k8s\.api\.admissionregistration\.v[^.]+\.(Named)?RuleWithOperations$/.test(defName)) continue;
    definition.properties ??= {};
    definition.properties.resources ??= {
      description:
        "Resources is a list of resources this rule applies to.\n\nFor example: 'pods' means pods. 'pods/log' means the log subresource of pods. '*' means all resources, but not subresources. 'pods/*' means all subresources of pods. '*/scale' means all scale subresources. '*/*' means all resources and their subresources.",
      type: 'array',
      items: { type: 'string', default: '' },
      'x-kubernetes-list-type': 'atomic',
    };
    definition.properties.scope ??= {
      description: 'scope specifies the scope of this rule. Valid values are "Cluster", "Namespaced", and "*". Default is "*".',
      type: 'string',
    };
  }

  definitions[INT_OR_STRING] = {
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    type: 'string',
    format: 'int-or-string',
  };

  // Meta kinds that every group/version serves list one GVK per group/version, as upstream.
  const gvs = [...groupVersions].map((s) => JSON.parse(s)).sort((a, b) => (a[0] + '/' + a[1]).localeCompare(b[0] + '/' + b[1]));
  for (const definition of metaKindsWithManyGVKs) {
    const kind = definition.__kind;
    delete definition.__kind;
    definition['x-kubernetes-group-version-kind'] = gvs.map(([group, version]) => ({ group, kind, version }));
  }

  for (const key of Object.keys(listMetadata)) {
    const owner = key in definitions ? key : key.slice(0, key.lastIndexOf('.'));
    const prop = key in definitions ? undefined : key.slice(key.lastIndexOf('.') + 1);
    if (!definitions[owner] || (prop && !definitions[owner].properties?.[prop])) {
      console.warn(`gen-openapi: list metadata for unknown ${key}`);
    }
  }

  const sorted = {};
  for (const name of Object.keys(definitions).sort()) sorted[name] = definitions[name];
  return sorted;
}

const definitions = generate();
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(definitions) + '\n');
console.log(`gen-openapi: wrote ${Object.keys(definitions).length} definitions to ${relative(process.cwd(), outFile)}`);

/**
 * The self-contained declaration file of a module (dist/client.d.ts): tsc's own declaration emit, in
 * which every type that comes from the project's other modules is written out in full by the type
 * checker. A consumer then needs only the module's packages (hono), never our sources, Workers types
 * or tsconfig, and never re-derives the routes: Hono's precompiled-client advice (hcWithType), for a
 * type derived from a table rather than from a chain of routes.
 */
import ts from 'typescript'

const NO_TRUNCATION = ts.TypeFormatFlags.NoTruncation

export function selfContainedDeclarations(entry: string, tsconfigPath: string): string {
  const program = ts.createProgram([entry], {
    ...compilerOptions(tsconfigPath),
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
  })
  const source = program.getSourceFile(entry)
  if (!source) throw new Error(`${entry} is not part of its own program`)
  const errors = ts.getPreEmitDiagnostics(program, source)
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, formatHost))

  let emitted = ''
  program.emit(source, (_name, text) => (emitted = text), undefined, true)
  const checker = program.getTypeChecker()
  return format(new Inliner(checker, source).rewrite(ts.createSourceFile('client.d.ts', emitted, ts.ScriptTarget.Latest)))
}

function compilerOptions(tsconfigPath: string): ts.CompilerOptions {
  const { config, error } = ts.readConfigFile(tsconfigPath, ts.sys.readFile)
  if (error) throw new Error(ts.formatDiagnostics([error], formatHost))
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, tsconfigPath.replace(/[^/]*$/, ''))
  return parsed.options
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (name) => name,
  getCurrentDirectory: () => process.cwd(),
  getNewLine: () => '\n',
}

const isRelative = (specifier: ts.Expression | undefined) =>
  specifier !== undefined && ts.isStringLiteral(specifier) && specifier.text.startsWith('.')

/**
 * Rewrites the emitted declarations: imports from the project's own modules disappear; what the
 * module re-exports from them, and each type alias that mentions them, is written out in full.
 */
class Inliner {
  /** Types printed by name instead of in full: those the module re-exports (a recursive type must be one). */
  private readonly names = new Map<ts.Type, string>()
  private readonly expanding = new Set<ts.Type>()
  private readonly checker: ts.TypeChecker
  private readonly source: ts.SourceFile

  constructor(checker: ts.TypeChecker, source: ts.SourceFile) {
    this.checker = checker
    this.source = source
  }

  rewrite(declarations: ts.SourceFile): string {
    const local = new Set<string>()
    for (const statement of declarations.statements) {
      if (ts.isImportDeclaration(statement) && isRelative(statement.moduleSpecifier)) {
        statement.importClause?.namedBindings?.forEachChild((binding) => local.add((binding as ts.ImportSpecifier).name.text))
      }
    }
    const reexported = declarations.statements.flatMap((statement) =>
      ts.isExportDeclaration(statement) && isRelative(statement.moduleSpecifier) && statement.exportClause && ts.isNamedExports(statement.exportClause)
        ? statement.exportClause.elements.map((element) => element.name.text)
        : [],
    )
    for (const name of reexported) this.names.set(this.exportedType(name), name)

    const out: string[] = []
    for (const statement of declarations.statements) {
      if (ts.isImportDeclaration(statement) && isRelative(statement.moduleSpecifier)) continue
      if (ts.isExportDeclaration(statement) && isRelative(statement.moduleSpecifier)) continue
      if (ts.isTypeAliasDeclaration(statement) && mentions(statement.type, local)) {
        out.push(this.alias(statement.name.text, this.exportedType(statement.name.text), isExported(statement)))
      } else {
        out.push(statement.getFullText(declarations).trim())
      }
    }
    for (const name of reexported) out.push(this.declaration(name))
    return withoutUnusedImports(out).join('\n')
  }

  private exportedType(name: string): ts.Type {
    const moduleSymbol = this.checker.getSymbolAtLocation(this.source)
    const symbol = moduleSymbol && this.checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name)
    if (!symbol) throw new Error(`${this.source.fileName} exports no ${name}`)
    return this.checker.getDeclaredTypeOfSymbol(symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol)
  }

  /** A re-exported type: an interface stays an interface, anything else becomes a type alias. */
  private declaration(name: string): string {
    const type = this.exportedType(name)
    const isInterface = type.symbol?.declarations?.some(ts.isInterfaceDeclaration) && type.flags & ts.TypeFlags.Object
    return isInterface ? `export interface ${name} ${this.expand(type, true)}` : this.alias(name, type, true)
  }

  private alias(name: string, type: ts.Type, exported: boolean): string {
    return `${exported ? 'export ' : ''}type ${name} = ${this.expand(type, true)}`
  }

  /** The type written out with no name from the project: unions, intersections and objects in full. */
  private expand(type: ts.Type, atRoot = false): string {
    const name = this.names.get(type)
    if (name && !atRoot) return name
    if (this.expanding.has(type)) throw new Error(`recursive type without a name: ${this.checker.typeToString(type)}`)
    this.expanding.add(type)
    try {
      return this.structure(type)
    } finally {
      this.expanding.delete(type)
    }
  }

  private structure(type: ts.Type): string {
    if (type.isUnion()) return this.union(type.types)
    if (type.isIntersection()) {
      return type.types.every((t) => t.flags & ts.TypeFlags.Object) ? this.object(type) : type.types.map((t) => this.member(t)).join(' & ')
    }
    if (!(type.flags & ts.TypeFlags.Object)) return this.checker.typeToString(type, undefined, NO_TRUNCATION)
    if (this.checker.isArrayType(type)) return `${this.member(this.checker.getTypeArguments(type as ts.TypeReference)[0]!)}[]`
    if (this.checker.isTupleType(type)) {
      return `[${this.checker.getTypeArguments(type as ts.TypeReference).map((t) => this.expand(t)).join(', ')}]`
    }
    return this.object(type)
  }

  /** `true | false` is written `boolean`, as people write it. */
  private union(types: readonly ts.Type[]): string {
    const isBoolean = (t: ts.Type) => !!(t.flags & ts.TypeFlags.BooleanLiteral)
    const hasBoolean = types.filter(isBoolean).length === 2
    const parts = types.filter((t) => !(hasBoolean && isBoolean(t))).map((t) => this.member(t))
    return (hasBoolean ? [...parts, 'boolean'] : parts).join(' | ')
  }

  /** A union or intersection member, parenthesised where precedence needs it. */
  private member(type: ts.Type): string {
    const text = this.expand(type)
    const operator = type.isUnion() || (type.isIntersection() && !type.types.every((t) => t.flags & ts.TypeFlags.Object))
    return operator && !this.names.has(type) ? `(${text})` : text
  }

  private object(type: ts.Type): string {
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) {
      throw new Error(`a function type cannot be written out: ${this.checker.typeToString(type)}`)
    }
    const members = this.checker.getPropertiesOfType(type).map((property) => {
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0
      const propertyType = this.checker.getTypeOfSymbol(property)
      const written = optional ? this.withoutUndefined(propertyType) : this.expand(propertyType)
      return `${propertyName(property.name)}${optional ? '?' : ''}: ${written}`
    })
    for (const index of this.checker.getIndexInfosOfType(type)) {
      members.push(`[key: ${this.expand(index.keyType)}]: ${this.expand(index.type)}`)
    }
    return `{ ${members.join('; ')} }`
  }

  /** `x?: T`, not `x?: T | undefined`: the `?` already says it. */
  private withoutUndefined(type: ts.Type): string {
    if (!type.isUnion()) return this.expand(type)
    const defined = type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined))
    return defined.length === type.types.length ? this.expand(type) : this.union(defined)
  }
}

/** Drops the package imports that only the inlined types used (e.g. hono's ExtractSchema). */
function withoutUnusedImports(statements: string[]): string[] {
  const body = statements.filter((s) => !s.startsWith('import ')).join('\n')
  const used = (name: string) => new RegExp(`\\b${name}\\b`).test(body)
  return statements.flatMap((statement) => {
    const named = /^import (type )?\{(.*)\} from (.*)$/s.exec(statement)
    if (!named) return [statement]
    const kept = named[2]!.split(',').map((s) => s.trim()).filter((s) => s && used(s.replace(/^type /, '')))
    return kept.length > 0 ? [`import ${named[1] ?? ''}{ ${kept.join(', ')} } from ${named[3]}`] : []
  })
}

const propertyName = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name))

const isExported = (statement: ts.Statement) =>
  ts.canHaveModifiers(statement) && !!ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

function mentions(node: ts.Node, names: Set<string>): boolean {
  if (ts.isIdentifier(node) && names.has(node.text)) return true
  return ts.forEachChild(node, (child) => mentions(child, names) || undefined) ?? false
}

/** One member per line, as a person would read it. */
function format(text: string): string {
  const file = ts.createSourceFile('client.d.ts', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  return ts.createPrinter({ newLine: ts.NewLineKind.LineFeed }).printFile(file)
}

/**
 * Type-checks a declaration file the way a consumer with a plain strict tsconfig does: no ambient
 * types, libraries checked too. Throws what such a consumer would see.
 */
export function checkDeclarations(file: string): void {
  const program = ts.createProgram([file], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
    skipLibCheck: false,
    noEmit: true,
  })
  const errors = ts.getPreEmitDiagnostics(program)
  if (errors.length > 0) throw new Error(`${file} does not type-check on its own:\n${ts.formatDiagnostics(errors, formatHost)}`)
}

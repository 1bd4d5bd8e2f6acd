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
  return format(new Inliner(program.getTypeChecker(), source).rewrite(ts.createSourceFile('client.d.ts', emitted, ts.ScriptTarget.Latest)))
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
 * module re-exports from them (types and functions), and each type alias that mentions them, is
 * written out in full.
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
    for (const name of reexported) if (this.exported(name).flags & ts.SymbolFlags.Type) this.names.set(this.exportedType(name), name)

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
    for (const name of reexported) out.push(...this.declarations(name))
    return withoutUnusedImports(out).join('\n')
  }

  /** What the module exports by that name, followed through the re-export to its declaration. */
  private exported(name: string): ts.Symbol {
    const moduleSymbol = this.checker.getSymbolAtLocation(this.source)
    const symbol = moduleSymbol && this.checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name)
    if (!symbol) throw new Error(`${this.source.fileName} exports no ${name}`)
    return symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol
  }

  private exportedType(name: string): ts.Type {
    return this.checker.getDeclaredTypeOfSymbol(this.exported(name))
  }

  /**
   * A re-exported name, with its documentation: a function is declared with each of its signatures;
   * a type's interface stays an interface, anything else becomes a type alias.
   */
  private declarations(name: string): string[] {
    const symbol = this.exported(name)
    const written: string[] = []
    if (symbol.flags & ts.SymbolFlags.Function) {
      for (const signature of this.checker.getTypeOfSymbol(symbol).getCallSignatures()) {
        written.push(`${doc(signature.getDocumentationComment(this.checker))}export declare function ${name}${this.signature(signature, ':')}`)
      }
    } else if (symbol.flags & ts.SymbolFlags.Value) {
      throw new Error(`only functions and types can be re-exported, not ${name}`)
    }
    if (symbol.flags & ts.SymbolFlags.Type) {
      const type = this.exportedType(name)
      const isInterface = type.symbol?.declarations?.some(ts.isInterfaceDeclaration) && type.flags & ts.TypeFlags.Object
      const comment = doc(symbol.getDocumentationComment(this.checker))
      written.push(comment + (isInterface ? `export interface ${name} ${this.expand(type, true)}` : this.alias(name, type, true)))
    }
    return written
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
    if (this.isGlobalInterface(type)) return this.byName(type)
    return this.object(type)
  }

  /** `true | false` is written `boolean`, as people write it. */
  private union(types: readonly ts.Type[]): string {
    const isBoolean = (t: ts.Type) => !!(t.flags & ts.TypeFlags.BooleanLiteral)
    const hasBoolean = types.filter(isBoolean).length === 2
    const parts = types.filter((t) => !(hasBoolean && isBoolean(t))).map((t) => this.member(t))
    return (hasBoolean ? [...parts, 'boolean'] : parts).join(' | ')
  }

  /** A union, intersection or array member, parenthesised where precedence needs it. */
  private member(type: ts.Type): string {
    const text = this.expand(type)
    const operator = type.isUnion() || (type.isIntersection() && !type.types.every((t) => t.flags & ts.TypeFlags.Object)) || this.isFunction(type)
    return operator && !this.names.has(type) ? `(${text})` : text
  }

  /** A plain function type, written `(…) => R`. */
  private isFunction(type: ts.Type): boolean {
    return (
      !!(type.flags & ts.TypeFlags.Object) &&
      type.getCallSignatures().length === 1 &&
      type.getConstructSignatures().length === 0 &&
      this.checker.getPropertiesOfType(type).length === 0 &&
      this.checker.getIndexInfosOfType(type).length === 0 &&
      !this.isGlobalInterface(type)
    )
  }

  /**
   * A global interface or class (Promise, URL, Response, …: the standard library's, the DOM's, the
   * runtime's), which a consumer has under the same name: written by its name, with its type arguments.
   */
  private isGlobalInterface(type: ts.Type): boolean {
    const declarations = type.symbol?.declarations
    const isGlobalFile = (file: ts.SourceFile) => file.isDeclarationFile && !ts.isExternalModule(file)
    return (
      !!(type.symbol && type.symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class)) &&
      !!declarations?.length &&
      declarations.every((d) => isGlobalFile(d.getSourceFile()))
    )
  }

  /** Trailing type arguments that are their parameter's default are left out, as people write them (`RequestInit`). */
  private byName(type: ts.Type): string {
    const reference = type.flags & ts.TypeFlags.Object && (type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference ? (type as ts.TypeReference) : undefined
    const parameters = reference?.target.typeParameters ?? []
    const args = reference ? this.checker.getTypeArguments(reference).slice(0, parameters.length) : []
    while (args.length > 0 && this.checker.getDefaultFromTypeParameter(parameters[args.length - 1]!) === args.at(-1)) args.pop()
    return args.length > 0 ? `${type.symbol.name}<${args.map((t) => this.expand(t)).join(', ')}>` : type.symbol.name
  }

  /** An object in full; a function as `(…) => R`, or its call signatures among the members. */
  private object(type: ts.Type): string {
    if (type.getConstructSignatures().length > 0) throw new Error(`a constructor cannot be written out: ${this.checker.typeToString(type)}`)
    const calls = type.getCallSignatures()
    if (this.isFunction(type)) return this.signature(calls[0]!, ' =>')
    const members = [
      ...calls.map((signature) => this.signature(signature, ':')),
      ...this.checker.getPropertiesOfType(type).map((property) => {
        const optional = (property.flags & ts.SymbolFlags.Optional) !== 0
        const propertyType = this.checker.getTypeOfSymbol(property)
        const written = optional ? this.withoutUndefined(propertyType) : this.expand(propertyType)
        return `${doc(property.getDocumentationComment(this.checker))}${propertyName(property.name)}${optional ? '?' : ''}: ${written}`
      }),
      ...this.checker.getIndexInfosOfType(type).map((index) => `[key: ${this.expand(index.keyType)}]: ${this.expand(index.type)}`),
    ]
    return `{\n${members.join(';\n')}\n}`
  }

  /** `(a: A, b?: B, ...rest: C[])` and the return type after `arrow` (`:` or ` =>`). */
  private signature(signature: ts.Signature, arrow: string): string {
    if (signature.getTypeParameters()?.length || signature.thisParameter || this.checker.getTypePredicateOfSignature(signature)) {
      throw new Error(`only plain signatures (no type parameters, this or type predicate) can be written out: ${this.checker.signatureToString(signature)}`)
    }
    const parameters = signature.getParameters().map((parameter) => {
      const declaration = parameter.valueDeclaration
      const type = this.checker.getTypeOfSymbol(parameter)
      if (declaration && ts.isParameter(declaration) && declaration.dotDotDotToken) return `...${parameter.name}: ${this.expand(type)}`
      const optional = declaration !== undefined && ts.isParameter(declaration) && this.checker.isOptionalParameter(declaration)
      return `${parameter.name}${optional ? '?' : ''}: ${optional ? this.withoutUndefined(type) : this.expand(type)}`
    })
    return `(${parameters.join(', ')})${arrow} ${this.expand(signature.getReturnType())}`
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

/** The documentation as a JSDoc comment on a line of its own, or nothing. */
function doc(parts: ts.SymbolDisplayPart[]): string {
  const lines = ts.displayPartsToString(parts).trim().split('\n')
  if (lines[0] === '') return ''
  return lines.length === 1 ? `/** ${lines[0]} */\n` : `/**\n${lines.map((line) => ` * ${line}`.trimEnd()).join('\n')}\n */\n`
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

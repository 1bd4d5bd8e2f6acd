/** `import text from './x.md?raw'`: Vite gives a file's text (used to check docs against the code). */
declare module '*.md?raw' {
  const text: string
  export default text
}

// JSX through Vite's own esbuild transform (the automatic runtime): no @vitejs/plugin-react.
export default { esbuild: { jsx: 'automatic' }, logLevel: 'warn' };

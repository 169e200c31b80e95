/** Stands in for Node built-ins (node:fs) that bundled ledger code imports but the page never calls. */
export default {};

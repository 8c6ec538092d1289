// Replaced at build time would be nicer; reading package.json keeps one source of truth.
import pkg from '../../../package.json'
export const STUDIO_VERSION: string = pkg.version

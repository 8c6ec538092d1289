// The library's public face for other modules; its feature (contract handlers) is ./feature.
export { Library, openLibrary } from './library'
export type {
  Channel,
  Shot,
  Take,
  TakeMeta,
  PlaylistItem,
  ShotMeta,
  IngestOptions,
  IngestResult,
  LibraryChange,
  ListShotsQuery
} from './library'
export { SchemaTooNewError } from '../db/database'
export { migrations } from '../db/migrations'
export { channelDto, shotDto, takeDto, playlistDto } from './dto'

/** Offsets → 0-based line/character spans for one text: the engine's line table under lineage's name. */
export { LineTable as LineIndex } from '../text/lineTable';

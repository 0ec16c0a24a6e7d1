import { workspaceInfo } from '../../protocol';
import type { Feature } from '../context';

export const workspaceInfoFeature: Feature = {
  register(ctx) {
    ctx.connection.onRequest(workspaceInfo, () => {
      const s = ctx.session();
      return {
        roots: s.engines.map((e) => e.root),
        files: s.engines.reduce((n, e) => n + e.workspace.size, 0),
        skipped: s.engines.flatMap((e) => [...e.workspace.skipped]),
      };
    });
  },
};

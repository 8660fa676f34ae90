import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';

/** Hash history: the app is loaded from file:// in Electron and from / in browser mode. */
export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: { name: 'runs' } },
  { path: '/runs', name: 'runs', component: () => import('./pages/RunsPage.vue'), meta: { title: 'Runs' } },
  { path: '/runs/:id', name: 'run', component: () => import('./pages/RunDetailPage.vue'), props: true, meta: { title: 'Run' } },
  {
    path: '/new/:kind?',
    name: 'new',
    component: () => import('./pages/NewRunPage.vue'),
    props: (r) => ({
      kind: r.params.kind,
      from: typeof r.query.from === 'string' ? r.query.from : undefined,
      preset: typeof r.query.preset === 'string' ? r.query.preset : undefined,
      recover: typeof r.query.recover === 'string' ? r.query.recover : undefined,
    }),
    meta: { title: 'New run' },
  },
  {
    path: '/compare',
    name: 'compare',
    component: () => import('./pages/ComparePage.vue'),
    props: (r) => ({ ids: typeof r.query.ids === 'string' ? r.query.ids : '' }),
    meta: { title: 'Compare runs' },
  },
  { path: '/sweeps', name: 'sweeps', component: () => import('./pages/SweepsPage.vue'), meta: { title: 'Sweeps' } },
  { path: '/sweeps/:id', name: 'sweep', component: () => import('./pages/SweepPage.vue'), props: true, meta: { title: 'Sweep' } },
  { path: '/models', name: 'models', component: () => import('./pages/ModelsPage.vue'), meta: { title: 'Models' } },
  { path: '/datasets', name: 'datasets', component: () => import('./pages/DatasetsPage.vue'), meta: { title: 'Datasets' } },
  { path: '/settings', name: 'settings', component: () => import('./pages/SettingsPage.vue'), meta: { title: 'Settings' } },
  { path: '/:pathMatch(.*)*', redirect: { name: 'runs' } },
];

export function createAppRouter() {
  const router = createRouter({ history: createWebHashHistory(), routes });
  router.afterEach((to) => {
    document.title = to.meta.title ? `${String(to.meta.title)} · Benchtop` : 'Benchtop';
  });
  return router;
}

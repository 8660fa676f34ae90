/** The renderer's effective theme names. */
type EffectiveTheme = 'light' | 'dark';

/** Chart colours per theme (kept in step with the CSS variables in styles/base.css). */
export interface ChartPalette {
  text: string;
  muted: string;
  axis: string;
  grid: string;
  tooltipBg: string;
  series: string[];
  /** Bars of removed layers (the rest use series[0]). */
  removed: string;
  /** Heatmap colour ramp, low → high (cell labels are black or white, whichever reads better). */
  heat: { ramp: string[] };
}

const SERIES_LIGHT = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
const SERIES_DARK = ['#60a5fa', '#f87171', '#34d399', '#fbbf24', '#a78bfa', '#22d3ee', '#f472b6', '#9ca3af'];

export const PALETTES: Record<EffectiveTheme, ChartPalette> = {
  light: { text: '#1f2328', muted: '#656d76', axis: '#8c959f', grid: '#eaeef2', tooltipBg: '#ffffff', series: SERIES_LIGHT,
    removed: '#dc2626', heat: { ramp: ['#eff6ff', '#93c5fd', '#2563eb', '#1e3a8a'] } },
  dark: { text: '#e6edf3', muted: '#8d96a0', axis: '#6e7681', grid: '#262c36', tooltipBg: '#161b22', series: SERIES_DARK,
    removed: '#f87171', heat: { ramp: ['#172033', '#1e4e8c', '#3b82f6', '#bfdbfe'] } },
};

/** Register only the ECharts parts Benchtop draws (tree-shaken build). Imported by the
 * components that draw charts, so ECharts loads with the pages that need it. */
import { use, getInstanceByDom } from 'echarts/core';
import { LineChart, BarChart, HeatmapChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, VisualMapContinuousComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([LineChart, BarChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, VisualMapContinuousComponent, CanvasRenderer]);

// End-to-end tests read chart data through this lookup (read-only; the page's own state).
if (typeof window !== 'undefined') {
  (window as unknown as { __benchtopCharts?: unknown }).__benchtopCharts = { getInstanceByDom };
}

/** The ECharts parts only the sweep page draws (parallel coordinates), registered beside the
 * common ones in echartsSetup.ts so pages without sweeps do not load them. */
import { use } from 'echarts/core';
import { ParallelChart } from 'echarts/charts';
import { ParallelComponent } from 'echarts/components';
import './echartsSetup';

use([ParallelChart, ParallelComponent]);

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * Mounts a uPlot chart in the returned element, as wide as the element (at least 280 px) and
 * resized with it; rebuilt when `deps` change, destroyed on unmount.
 */
export function useUplot(height: number, build: () => { options: Omit<uPlot.Options, 'width' | 'height'>; data: uPlot.AlignedData }, deps: readonly unknown[]) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = (): number => Math.max(280, element.clientWidth);
    const { options, data } = build();
    const plot = new uPlot({ ...options, width: width(), height }, data, element);
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, deps);
  return host;
}

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { useLive, type LiveEvent } from './events';

export interface Data<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** The key `data` was loaded for (tests wait for it to match the current view). */
  loadedKey: string | undefined;
  reload: () => void;
}

/**
 * Loads `load()` when `key` changes and again on the live events named; a newer load wins over an
 * older one still in flight (no flicker, no stale overwrite).
 */
export function useData<T>(key: string, load: () => Promise<T>, live: readonly LiveEvent[] = []): Data<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [loadedKey, setLoadedKey] = useState<string | undefined>(undefined);
  const generation = useRef(0);
  const currentKey = useRef(key);
  const shownKey = useRef<string | undefined>(undefined);
  currentKey.current = key;
  const loader = useRef(load);
  loader.current = load;

  // A live refresh keeps showing the current data (no loading state) until the new data is in.
  const fetchData = useCallback((silent: boolean) => {
    const mine = ++generation.current;
    const loadingKey = currentKey.current;
    if (!silent) setLoading(true);
    loader.current().then(
      (value) => {
        if (mine !== generation.current) return;
        shownKey.current = loadingKey;
        setData(value);
        setLoadedKey(loadingKey);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        // A failed load for another view (new filters) must not leave the old view's rows on show
        // as if they matched; a failed live refresh of the same view keeps them.
        if (shownKey.current !== loadingKey) {
          shownKey.current = undefined;
          setData(undefined);
          setLoadedKey(undefined);
        }
        setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure)));
        setLoading(false);
      },
    );
  }, []);

  const reload = useCallback(() => fetchData(false), [fetchData]);
  const refresh = useCallback(() => fetchData(true), [fetchData]);
  useEffect(reload, [key, reload]);
  useLive(live, refresh);
  return { data, error, loading, loadedKey, reload };
}

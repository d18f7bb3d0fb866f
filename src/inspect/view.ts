import type { ClusterSnapshot } from './snapshot.js';

/**
 * A link from one view to another: the page turns it into `<a href>` so views are reachable by
 * URL and linked from one another. `params` are the target view's URL query parameters.
 */
export interface ViewLink {
  view: string;
  params: Record<string, string>;
}

/**
 * One of the seed's pictures, drawn live. `select` picks and shapes what the view needs from the
 * snapshot (pure; undefined when the object asked for does not exist), `render` draws it as a
 * standalone SVG document (pure: same model, same bytes, so golden files can pin it). Text
 * alternatives go in the SVG itself (`<title>`, `<desc>`, `role`/`aria-label` on groups) and
 * `describe` gives the same content as plain text for screen readers and the page's summary.
 */
export interface ViewDefinition<Model> {
  /** The URL segment: `/view/<name>?param=…`. */
  name: string;
  /** A heading for the page and the views menu. */
  title: string;
  /** The query parameters the view takes (e.g. `namespace`, `name`), for the menu's forms. */
  params: readonly string[];
  select(snapshot: ClusterSnapshot, params: Record<string, string>): Model | undefined;
  render(model: Model): string;
  describe(model: Model): string;
  /** Objects the view mentions that have views of their own. */
  links(model: Model): ViewLink[];
  /**
   * The parameter sets this view can draw from `snapshot` now (e.g. one per Deployment), sorted,
   * for the page's menu of views. Optional: without it the menu offers only a form.
   */
  instances?(snapshot: ClusterSnapshot): Record<string, string>[];
  /**
   * Whether the view draws `snapshot.traffic`: while such a view is open the observer scrapes the
   * data planes' metrics (otherwise it does not). Default false.
   */
  usesTraffic?: boolean;
}

/** A view whose model type is erased, for the registry the page serves from. */
export type AnyView = ViewDefinition<unknown>;

/** Erases a view's model type for the registry (the model never leaves the view). */
export function registerView<M>(view: ViewDefinition<M>): AnyView {
  return view as unknown as AnyView;
}

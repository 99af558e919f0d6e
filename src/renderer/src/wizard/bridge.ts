/** The one way the wizard reaches the main process: the preload's typed bridge (window.djangoIIS). */
export function bridge(): Window['djangoIIS'] {
  return window.djangoIIS;
}

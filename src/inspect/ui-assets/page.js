// skiff ui: live updates for a view page. The page works without this script; with it, the
// picture, its text description and its links follow the cluster through Server-Sent Events.
const main = document.querySelector('main[data-events]');
const live = document.getElementById('live');

function setLinks(list, links) {
  list.replaceChildren(
    ...links.map((link) => {
      const item = document.createElement('li');
      const a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.text;
      item.append(a);
      return item;
    }),
  );
}

if (main && 'EventSource' in window) {
  let updates = 0;
  const source = new EventSource(main.dataset.events);
  source.addEventListener('view', (event) => {
    const view = JSON.parse(event.data);
    const picture = document.getElementById('picture');
    // The SVG comes from skiff's own writer, which escapes every name it draws.
    if (picture) picture.innerHTML = view.svg;
    const description = document.getElementById('description');
    if (description) description.textContent = view.description;
    const links = document.getElementById('links');
    if (links) setLinks(links, view.links);
    const status = document.getElementById('status');
    if (status) {
      status.textContent = view.message;
      status.hidden = view.message === '';
    }
    updates += 1;
    document.documentElement.dataset.updates = String(updates);
    if (live) live.textContent = `Live · updated ${new Date().toLocaleTimeString()}`;
  });
  source.addEventListener('open', () => {
    if (live) live.textContent = 'Live';
  });
  source.addEventListener('error', () => {
    if (live) live.textContent = 'Connection lost; reconnecting…';
  });
}

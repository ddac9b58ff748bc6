// The three tabs; the selected one is kept in the address (#classify), so a reload or a link opens it.
import { byId } from '../dom.ts';

const TABS = ['tokenize', 'classify', 'finetunes'];

function selectTab(name: string): void {
  for (const tab of TABS) {
    byId(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
    byId(`panel-${tab}`).hidden = tab !== name;
  }
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
}

export function initTabs(): void {
  for (const tab of TABS) byId(`tab-${tab}`).addEventListener('click', () => selectTab(tab));
  const fromAddress = location.hash.slice(1);
  if (TABS.includes(fromAddress)) selectTab(fromAddress);
}

// The playground's tabs, in the page header; client/playground/tabs.ts switches them.

const TABS = [
  { name: 'tokenize', label: 'Tokenize' },
  { name: 'classify', label: 'Classify' },
  { name: 'finetunes', label: 'Fine-tunes' },
];

export function TabBar() {
  return (
    // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the header's navigation is the tab list
    <nav role="tablist">
      {TABS.map((tab, i) => (
        <button
          type="button"
          role="tab"
          id={`tab-${tab.name}`}
          aria-selected={i === 0 ? 'true' : 'false'}
          aria-controls={`panel-${tab.name}`}
        >
          {tab.label}
        </button>
      ))}
    </nav>
  );
}

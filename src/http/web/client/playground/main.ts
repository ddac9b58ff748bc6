// The playground's script (served as /static/playground.js, bundled by scripts/build-web.mjs): the tabs, then each
// tab's forms; the API key is restored before the first model list so that list holds the key's ft: models.
import { restoreKey } from './auth.ts';
import { initClassify } from './classify.ts';
import { initJobView } from './job-view.ts';
import { initJobs } from './jobs.ts';
import { loadModels } from './models.ts';
import { initTabs } from './tabs.ts';
import { initTokenize } from './tokenize.ts';

initTabs();
initTokenize();
initClassify();
restoreKey();
void loadModels();
initJobs();
initJobView();

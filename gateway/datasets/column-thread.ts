// Worker-thread side of `ColumnThreads`: opens stored chunks' by-column copies.
import { serveTasks } from '../../common/threads/serve.ts';
import { openColumnTask } from './columns.ts';

serveTasks(openColumnTask, (opened) => (opened ? [opened.values.buffer] : []));

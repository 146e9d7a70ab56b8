/**
 * Reading and writing the files users hand us, safely: bounded UTF-8 text whose errors name the file
 * and byte offset ({@link dev.skipllama.transformer.io.TextFiles}), model files that must be regular
 * files ({@link dev.skipllama.transformer.io.RegularFiles}), outputs written to a temporary file and
 * renamed into place only when complete, never over one of the inputs
 * ({@link dev.skipllama.transformer.io.OutputFile}).
 */
package dev.skipllama.transformer.io;

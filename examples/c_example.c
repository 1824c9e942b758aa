/* examples/c_example.c — de-identify one file through the C ABI.
 *   c_example KEYFILE INPUT OUTPUT_DIR
 * Prints the output's relative path, or why it was withheld; exits non-zero on error. */
#include <stdio.h>

#include <dicomscrub/dicomscrub.h>

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s KEYFILE INPUT OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  if (dscrub_abi_version() != DSCRUB_ABI_VERSION) {
    fprintf(stderr, "libdicomscrub ABI %u, built against %d\n", dscrub_abi_version(), DSCRUB_ABI_VERSION);
    return 2;
  }
  const char* options[] = {"clean_descriptors"};
  dscrub_engine* engine = NULL;
  if (dscrub_engine_new_with_key_file("basic", options, 1, argv[1], &engine) != DSCRUB_OK) {
    fprintf(stderr, "engine: %s\n", dscrub_last_error());
    return 1;
  }
  dscrub_result* result = NULL;
  dscrub_status s = dscrub_deidentify_to_dir(engine, argv[2], argv[3], &result);
  int rc = 0;
  if (s == DSCRUB_OK) {
    printf("written: %s\n", dscrub_result_output_path(result));
  } else if (s == DSCRUB_WITHHELD) {
    printf("withheld: %s\n", dscrub_result_withhold_reason(result));
  } else {
    fprintf(stderr, "%s: %s (offset %llu, at %s)\n", dscrub_status_name(s), dscrub_last_error(),
            (unsigned long long)dscrub_last_error_offset(), dscrub_last_error_tag_path());
    rc = 1;
  }
  dscrub_result_free(result);
  dscrub_engine_free(engine);
  return rc;
}
